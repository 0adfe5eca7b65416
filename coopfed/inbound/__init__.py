"""The inbound adapter: committed inbox items to services, one module per activity family.

Beside `web/` and `cli/`, above `services/`: the inbox pipeline in `federation/` only verifies
and stores; the worker (`worker.py`) leases what it stored and `dispatch.py` routes each item.
"""

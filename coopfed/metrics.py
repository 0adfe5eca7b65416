"""The node's Prometheus instruments, shared by every layer that counts something.

One module (no coopfed imports, like settings.py) so federation/, inbound/, services/ and web/
count into the same registry that `GET /metrics` (web/metrics.py) exposes. Counts are per
process, or summed over the node's processes in prometheus-client's multiprocess mode (set up
by `serve --workers N` before this module is imported: coopfed/cli/multiprocess_metrics.py);
gauges are set by the process answering the scrape, so there the most recent value wins.
CLI commands count in their own short-lived process.
Label values are bounded: reasons and states are the code's own words; hosts are peers we
deliver to (the operator's allies and followers), never request input.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

INBOX_RECEIVED = Counter(
    "coopfed_inbox_received",
    "Inbox POSTs answered: accepted (202) or refused, by the refusal's error and reason",
    ["result", "error", "reason"],
)
INBOX_PROCESSED = Counter(
    "coopfed_inbox_processed", "Inbox items the worker finished, by their state", ["state"]
)
INBOX_LAG = Histogram(
    "coopfed_inbox_lag_seconds",
    "From an inbox item's arrival to its processing",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800, 3600),
)
DELIVERIES = Counter(
    "coopfed_deliveries", "Delivery attempts by outcome: done, retry, parked", ["outcome"]
)
DELIVERY_HOST_FAILURES = Counter(
    "coopfed_delivery_host_failures", "Failed delivery attempts per receiving host", ["host"]
)
QUEUE_DEPTH = Gauge(
    "coopfed_queue_depth",
    "Items waiting in each database queue (read at scrape time)",
    ["queue"],
    multiprocess_mode="mostrecent",
)
QUEUE_OLDEST_AGE = Gauge(
    "coopfed_queue_oldest_age_seconds",
    "Age of the oldest item waiting in each queue (0 when empty)",
    ["queue"],
    multiprocess_mode="mostrecent",
)
VOTES = Counter(
    "coopfed_votes", "Votes cast, by source (local, federated) and outcome", ["source", "status"]
)
TALLY_SECONDS = Histogram(
    "coopfed_tally_seconds",
    "Time to tally a proposal's ballot log",
    ["method"],
    buckets=(0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30),
)

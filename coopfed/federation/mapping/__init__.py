"""The one mapping between coopfed's domain objects and ActivityStreams JSON.

Functions are named by direction: `*_to_ap` builds JSON we send or serve, `ap_to_*` reads JSON
peers sent us into domain objects (or refuses it with a reason).
"""

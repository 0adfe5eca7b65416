"""coopfed.federation"""

"""coopfed.store"""

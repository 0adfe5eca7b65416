"""coopfed.services"""

"""coopfed.governance"""

"""coopfed.web"""

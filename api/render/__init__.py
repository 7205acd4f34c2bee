"""Reports rendered for people and spreadsheets: CSV (safe against formula injection), HTML."""

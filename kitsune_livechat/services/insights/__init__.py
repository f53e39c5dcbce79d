"""Insights: figures computed in the database, breakdowns, the live floor, exports as rows."""

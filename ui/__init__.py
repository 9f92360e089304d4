"""Streamlit glue shared by the pages: language, shared filters, cached data access, charts."""

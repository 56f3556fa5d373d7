"""Reports: terminal tables and views, BOM CSV and plan JSON, charts; all writes are atomic."""

"""Public works (市政对接): requests the community files with municipal departments, tracked to completion."""

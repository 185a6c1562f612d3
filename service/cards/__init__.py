"""The family's card (相談カード): what a parent chose to tell the city once, shared only with the
departments they agreed to; the console's pages are on the staff blueprint (`staff_pages`)."""

"""Connecting parents with help: the city's programmes and desks, the guide from a parent's
situation to them, and consultation requests that reach the right desk's queue. The parent's
pages are `parent_pages.blueprint`; the console's are on the console's blueprint."""

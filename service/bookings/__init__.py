"""Bookings: seminars, 説明会 and a desk's consultation days, the places parents book in them,
waiting lists, reminders and the day itself. The parent's pages are `parent_pages.blueprint`;
the console's are on the staff blueprint (`staff_pages`)."""

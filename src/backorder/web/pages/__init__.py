"""One router per area of the dashboard."""

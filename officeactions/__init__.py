"""Office Actions Desk: case work, review and enforcement of office actions."""

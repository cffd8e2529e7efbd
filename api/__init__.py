"""REST plumbing shared by every app's API (errors, schema, fields); imports no app."""

"""The staff console at /staff/: server-rendered Vietnamese pages over handlers/staff."""

"""The record's own tables (the versions and history it guards live with their stages)."""

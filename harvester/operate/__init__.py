"""Operating harvester unattended: calendar, run lock, scheduled passes, source health, alerts, distributed workers."""

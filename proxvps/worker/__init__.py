"""The worker: periodic tasks (SPEC S16) with their schedule and locks, service claims shared between worker
processes, and the cron output. `proxvps cron` runs one pass; `proxvps worker` keeps running."""

"""The job queue: one interface (`interface.JobQueue`: submit, status, wait, cancel) and two
backends, the embedded runner (`embedded`) and the Redis-backed queue (`redis_queue`), each
handed the job runner by `app.main`."""

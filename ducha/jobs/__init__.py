"""Background jobs a person waits for (issue 19): a big export, a large import, a rebuild, a batch — run as a task
(Django's Tasks API) with their progress, joined when asked twice, cancelled, failed clearly when a worker dies,
retried, and their file kept for a while then deleted. See ducha/jobs/services.py."""

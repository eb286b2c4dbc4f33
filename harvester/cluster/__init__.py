"""Parse and OCR jobs on a Dask distributed cluster (`harvester load --cluster`, `harvester parse-workers`).

`jobs` runs on the workers (one archived file, or one 图片版 page, by digest); `submit` is the
load's side (a Parsing that sends those jobs and yields their results); `workers` starts workers
that know where the archive's blobs are on their host. Dask re-runs a lost worker's jobs itself.
"""


class ClusterError(RuntimeError):
    """The cluster cannot parse: its scheduler is unreachable, no worker joined, or a worker cannot
    read the archive."""

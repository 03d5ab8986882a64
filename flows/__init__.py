"""Flows: Prefect flows, deployments, the scheduler (wiring only).

Every flow process (``newsmon serve``, a worker, the ephemeral ``newsmon run``) imports this
package first: its log records are masked here, so a configured URL's password or token never
reaches Prefect's logs (issue 23).
"""

from storage.masking import mask_process_logs

mask_process_logs()

/**
 * The `service` names diffscope's processes log and trace under (`service` on every log line,
 * `service.name` on the OTel resource). The CLI picks one per command; the all-in-one's
 * supervisor logs as `supervisor`.
 */
export const SERVICE = {
  API: 'api-server',
  WORKER: 'inference-worker',
  NOTIFIER: 'notifier',
  EXPLORER: 'explorer',
  SUPERVISOR: 'supervisor',
} as const;

export type ServiceName = (typeof SERVICE)[keyof typeof SERVICE];

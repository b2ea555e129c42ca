/** Types of server.mjs, for the end-to-end test that starts it. */
export function startPlayerServer(options?: { port?: number; host?: string }): Promise<{ origin: string; close(): Promise<void> }>;

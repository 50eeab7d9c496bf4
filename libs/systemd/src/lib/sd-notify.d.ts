// Type declaration of the parts of the sd-notify package (native libsystemd binding) we call.
declare module 'sd-notify' {
  // sd_notify(0, state): `state` is sent verbatim as one datagram to $NOTIFY_SOCKET.
  export function sendState(state: string): void;
}

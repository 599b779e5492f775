/**
 * sockjs's own string quoting (sockjs 0.3.x, lib/utils.js): JSON.stringify
 * plus \u escapes for the characters some browsers mangle. The SockJS
 * transport frames broadcasts with it, byte for byte as sockjs would.
 */
declare module 'sockjs/lib/utils' {
  export function quote(text: string): string;
}

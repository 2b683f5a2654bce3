/** URLs carry passwords (`scheme://user:password@host`); messages and logs show `user:***` instead. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
}

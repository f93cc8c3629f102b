// Email for notices: a nodemailer transport when SMTP_URL and MAIL_FROM are both set, none otherwise (notices then stay
// in the app). Each message is plain text with a simple HTML part: no tracking pixels, no images from other sites, and
// a List-Unsubscribe header that stops that kind of notice with one click (RFC 8058).
import { createHmac, timingSafeEqual } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { Config } from '../../config.ts';

export interface OutgoingEmail {
  to: { name: string; address: string };
  subject: string;
  text: string;
  html: string;
  /** Ours, fixed per notice: a resend after a crash carries the same Message-ID, so mail clients can tell. */
  messageId: string;
  /** Absent only on a verification link, which is sent once and on request. */
  unsubscribeUrl?: string;
}

export interface Mailer {
  /** Where links in emails point: the tracker's address as people reach it. */
  publicUrl: string;
  /** Sends one message; resolves with the message id the SMTP server accepted it under. */
  send(email: OutgoingEmail): Promise<string>;
  close(): void;
}

export function mailConfigured(config: Pick<Config, 'SMTP_URL' | 'MAIL_FROM'>): boolean {
  return Boolean(config.SMTP_URL && config.MAIL_FROM);
}

export function publicUrlOf(config: Pick<Config, 'PUBLIC_URL' | 'PORT'>): string {
  return (config.PUBLIC_URL ?? `http://localhost:${config.PORT}`).replace(/\/+$/, '');
}

export function createMailer(config: Pick<Config, 'SMTP_URL' | 'MAIL_FROM' | 'PUBLIC_URL' | 'PORT'>): Mailer | null {
  if (!config.SMTP_URL || !config.MAIL_FROM) return null;
  const transport = nodemailer.createTransport(config.SMTP_URL);
  const from = config.MAIL_FROM;
  return {
    publicUrl: publicUrlOf(config),
    async send(email) {
      const info = await transport.sendMail({
        from,
        to: email.to,
        subject: email.subject,
        text: email.text,
        html: email.html,
        messageId: email.messageId,
        headers: {
          ...(email.unsubscribeUrl ? { 'List-Unsubscribe': `<${email.unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } : {}),
          'Auto-Submitted': 'auto-generated',
        },
      });
      return String(info.messageId ?? email.messageId);
    },
    close: () => transport.close(),
  };
}

// ---- One-click unsubscribe: a link signed for one person and one kind, so it needs no sign-in and cannot be forged.

export function unsubscribeSignature(secret: string, userId: string, kind: string): string {
  return createHmac('sha256', secret).update(`unsubscribe:${userId}:${kind}`).digest('base64url');
}

export function unsubscribePath(secret: string, userId: string, kind: string): string {
  return `/notices/unsubscribe/${userId}/${kind}/${unsubscribeSignature(secret, userId, kind)}`;
}

export function validUnsubscribe(secret: string, userId: string, kind: string, signature: string): boolean {
  const expected = Buffer.from(unsubscribeSignature(secret, userId, kind));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export const UNSUBSCRIBE_SECRET = 'reminder_unsubscribe_secret';

// ---- Verifying an address: a link signed for one person and one address, so it proves the mailbox, needs no
// sign-in, and stops working when the address changes.

export const VERIFY_SECRET = 'reminder_verify_secret';

export function verifySignature(secret: string, userId: string, email: string): string {
  return createHmac('sha256', secret).update(`verify:${userId}:${email.toLowerCase()}`).digest('base64url');
}

export function verifyPath(secret: string, userId: string, email: string): string {
  return `/notices/verify/${userId}/${verifySignature(secret, userId, email)}`;
}

export function validVerify(secret: string, userId: string, email: string, signature: string): boolean {
  const expected = Buffer.from(verifySignature(secret, userId, email));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** A message's two parts from the same lines: paragraphs, then links (text and absolute address). */
export function emailParts(greeting: string, paragraphs: string[], links: { text: string; href: string; note?: string }[], footer: { text: string; href: string }[]) {
  const text = [greeting, '', ...paragraphs.flatMap((p) => [p, '']), ...links.flatMap((l) => [`${l.text}${l.note ? ` (${l.note})` : ''}`, l.href, '']), '--', ...footer.map((f) => `${f.text}: ${f.href}`)].join('\n');
  const html = [
    '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"></head><body style="font-family: Arial, sans-serif; font-size: 16px; line-height: 1.4;">',
    `<p>${escapeHtml(greeting)}</p>`,
    ...paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`),
    links.length ? `<ul>${links.map((l) => `<li><a href="${escapeHtml(l.href)}">${escapeHtml(l.text)}</a>${l.note ? ` (${escapeHtml(l.note)})` : ''}</li>`).join('')}</ul>` : '',
    `<hr><p style="font-size: 14px;">${footer.map((f) => `<a href="${escapeHtml(f.href)}">${escapeHtml(f.text)}</a>`).join('<br>')}</p>`,
    '</body></html>',
  ].join('\n');
  return { text, html };
}

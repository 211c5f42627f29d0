import type { MailMessage, Mailer } from '@platform/mail';

/** Keeps what it was asked to send, for specs and demos that read the mail back. */
export class MemoryMailer implements Mailer {
  readonly sent: MailMessage[] = [];

  async send(message: MailMessage): Promise<void> {
    this.sent.push(message);
  }
}

import type { Logger } from './logger';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

/** How identity sends mail; production plugs in its own delivery here. */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

/** Development: the message goes to the log, where the reset link can be copied from. */
export class LogMailer implements Mailer {
  constructor(private readonly log: Logger) {}

  async send(message: MailMessage): Promise<void> {
    this.log.info(
      { event: 'mail', to: message.to, subject: message.subject },
      `mail to ${message.to}: ${message.subject}\n${message.text}`,
    );
  }
}

/** Keeps what it was asked to send, for specs and demos that read the mail back. */
export class MemoryMailer implements Mailer {
  readonly sent: MailMessage[] = [];

  async send(message: MailMessage): Promise<void> {
    this.sent.push(message);
  }
}

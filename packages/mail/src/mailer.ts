import type { Logger } from 'pino';

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

export { LogMailer, type MailMessage, type Mailer } from './mailer';

export { recordChange, type Change } from './change-log';

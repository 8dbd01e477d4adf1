export { TensorError } from './errors.js';
export {
  AUTO_ORDER,
  BACKEND_CHOICES,
  getEngineInfo,
  initEngine,
  parseBackendChoice,
  type BackendChoice,
  type BackendRejection,
  type EngineBackend,
  type EngineInfo,
  type EngineOptions,
} from './backend/select.js';
export { BACKEND_PACKAGES } from './backend/candidates.js';
export * from './checkpoint/index.js';

/**
 * The reload parser's thread (see config-isolated.ts): reads the config named in
 * workerData and posts the LoadResult back. Everything it allocates counts
 * against the worker's own heap limit, not the daemon's.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { loadConfig } from '../config/index.js'

const { file, configId } = workerData as { file: string; configId?: string }
parentPort!.postMessage(loadConfig(file, configId !== undefined ? { configId } : {}))

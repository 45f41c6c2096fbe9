/**
 * What `sticky check` needs before it analyzes: the catalog and the collectors' entry point,
 * gathered in one module so the compiled CLI loads them as one piece.
 */
export { catalogPath, findService, layersOf, loadCatalog } from '../catalog/catalog.ts';
export { collect } from '../providers/collect.ts';

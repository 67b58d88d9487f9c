/** Built at bundle time by scripts/lib/dashboard-assets.ts (esbuild and Vite plugins). */
declare module "virtual:pathmeter-dashboard-assets" {
  interface DashboardAsset {
    /** File name with a content hash. */
    name: string;
    contentType: string;
    body: string;
  }
  export const script: DashboardAsset;
  export const style: DashboardAsset;
}

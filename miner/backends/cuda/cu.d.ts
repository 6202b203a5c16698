/** kernels.cu imported as text: esbuild `--loader:.cu=text` (bundles for the GPU machine). */
declare module '*.cu' {
  const source: string;
  export default source;
}

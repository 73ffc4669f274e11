/**
 * Which partitions to relieve when the buffered bytes pass the cap: the biggest open batches,
 * until what is left fits under the cap. Pausing the biggest frees the most memory for the fewest
 * partitions stalled; small, quiet partitions keep flowing.
 */
export function partitionsOverCap(bufferedBytes: number, capBytes: number, openBySize: Array<{ id: string; bytes: number }>): string[] {
  if (bufferedBytes <= capBytes) return [];
  const chosen: string[] = [];
  let remaining = bufferedBytes;
  for (const { id, bytes } of openBySize) {
    if (remaining <= capBytes) break;
    chosen.push(id);
    remaining -= bytes;
  }
  return chosen;
}

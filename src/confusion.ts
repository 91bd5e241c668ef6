/** Precision, recall and F1 of yes/no decisions against labels (the calibrations' one scorer). */
export function confusion<T>(points: T[], truth: (p: T) => boolean, decide: (p: T) => boolean) {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (const p of points) {
    const yes = decide(p);
    if (yes && truth(p)) tp++;
    else if (yes) fp++;
    else if (truth(p)) fn++;
  }
  const precision = tp + fp ? tp / (tp + fp) : 1;
  const recall = tp + fn ? tp / (tp + fn) : 1;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1, falsePositives: fp };
}

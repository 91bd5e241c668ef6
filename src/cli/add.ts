import { Command } from 'commander';
import { UserError, withApp } from './shared.js';

/** `paperbot add <file | arXiv id | arXiv URL>...`: papers with their full text, one line each. */
export function addCommand(): Command {
  return new Command('add')
    .description('add papers with their full text: arXiv HTML files (.html/.xhtml), PDFs, arXiv ids or arXiv links (arXiv HTML first, else the PDF)')
    .argument('<documents...>', 'files, arXiv ids (2401.01234, 2401.01234v2) or links (https://arxiv.org/abs/…)')
    .action(async (inputs: string[]) => {
      const { addToLibrary, describeAdded } = await import('../jobs/add.js');
      await withApp(async (app) => {
        let failed = 0;
        for (const input of inputs) {
          try {
            console.log(describeAdded(await addToLibrary(app, input, { urgent: true })));
          } catch (err) {
            // One bad document does not stop the others; each says why in one line.
            failed++;
            console.error(`paperbot: ${input}: ${(err as Error).message}`);
          }
        }
        if (failed) throw new UserError(`${failed} of ${inputs.length} documents could not be added`);
      });
    });
}

import { describe, expect, it } from 'vitest';
import { aliasesOf, aliasText, mentionsPaper, namesPaper } from '../src/retrieval/aliases.js';

const paper = (title: string, abstract = 'We study things.', links: string[] = []) => ({ title, abstract, links });

describe('aliases: names people use for a paper', () => {
  it('takes the repository name of a code link', () => {
    expect(aliasesOf(paper('Learning Transferable Visual Models From Natural Language Supervision', 'x', ['https://github.com/OpenAI/CLIP']))).toEqual([
      'CLIP',
    ]);
    expect(aliasesOf(paper('Dataset Distillation via Curriculum Data Synthesis', 'x', ['https://github.com/VILA-Lab/SRe2L/tree/main/CDA']))).toEqual([
      'SRe2L',
      'CDA',
    ]);
    expect(aliasesOf(paper('GeneCIS: A Benchmark', 'x', ['https://sgvaze.github.io/genecis/']))).toContain('genecis');
  });

  it('takes what the abstract says the method is dubbed, named, called or termed', () => {
    expect(aliasesOf(paper('Some Title', 'We present a family of models, dubbed FooNet, that scale.'))).toContain('FooNet');
    expect(aliasesOf(paper('Some Title', 'We call the general class of models "Plug and Play Generative Networks".'))).toContain(
      'Plug and Play Generative Networks',
    );
    expect(aliasesOf(paper('Some Title', 'a novel task, termed as Vocabulary-free Image Classification'))).toEqual([]);
  });

  it('names a paper the way people cite it: "Kalchbrenner et al.", or both surnames of two authors', () => {
    const cnn = { ...paper('A Convolutional Neural Network for Modelling Sentences'), authors: ['Nal Kalchbrenner', 'Edward Grefenstette', 'Phil Blunsom'] };
    expect(aliasesOf(cnn)).toEqual(['Kalchbrenner et al']);
    expect(mentionsPaper('What did Kalchbrenner et al. train with?', aliasesOf(cnn))).toBe(true);
    const pair = { ...paper('Some Title'), authors: ['Ashish Vaswani', 'Noam Shazeer Jr.'] };
    expect(aliasesOf(pair)).toEqual(['Vaswani et al', 'Vaswani and Shazeer']);
    expect(aliasesOf(paper('Some Title'))).toEqual([]);
  });

  it('adds run-together forms of names in the title, and no common words', () => {
    expect(aliasesOf(paper('Swin Transformer V2: Scaling Up Capacity and Resolution'))).toContain('SwinV2');
    expect(aliasesOf(paper('LAION-5B: An open large-scale dataset'))).toEqual(['LAION-5B', 'LAION5B']);
    expect(aliasesOf(paper('STU-Net: Scalable and Transferable Medical Image Segmentation Models'))).toContain('STUNet');
    const generic = aliasesOf(paper('Self-Supervised Large-Scale Pre-training of CNN on ImageNet'));
    expect(generic).toEqual([]);
  });

  it('indexes only the alias words the title does not already have', () => {
    const clip = paper('Learning Transferable Visual Models From Natural Language Supervision', 'x', ['https://github.com/OpenAI/CLIP']);
    expect(aliasText(clip.title, aliasesOf(clip))).toBe('CLIP');
    const swin = paper('Swin Transformer V2: Scaling Up Capacity and Resolution', 'x', ['https://github.com/microsoft/Swin-Transformer']);
    expect(aliasText(swin.title, aliasesOf(swin)).split(' ')).toContain('SwinV2');
    expect(aliasText(swin.title, aliasesOf(swin)).split(' ')).not.toContain('Swin');
  });

  it('knows when a question names a paper, as a whole word or phrase', () => {
    const clip = paper('Learning Transferable Visual Models From Natural Language Supervision', 'x', ['https://github.com/OpenAI/CLIP']);
    expect(namesPaper('What is CLIP?', aliasesOf(clip))).toBe(true);
    expect(namesPaper('what is clip', aliasesOf(clip))).toBe(true);
    expect(namesPaper('Is gradient clipping useful?', aliasesOf(clip))).toBe(false);
    expect(namesPaper('Which method cuts CLIP training cost by discarding redundant samples?', aliasesOf(clip))).toBe(false);
    expect(namesPaper('SELECT * FROM users; DROP TABLE papers;--', aliasesOf(paper('SELECT: A Large-Scale Benchmark of Data Curation Strategies')))).toBe(
      false,
    );
    const laion = paper('LAION-5B: An open large-scale dataset');
    expect(namesPaper('What is LAION 5B?', aliasesOf(laion))).toBe(true);
    expect(namesPaper('laion5b', aliasesOf(laion))).toBe(true);
    expect(namesPaper('How large is the largest open dataset?', aliasesOf(laion))).toBe(false);
  });

  it('takes the acronym the authors give their own work, not one they cite, nor a generic one', () => {
    const voco = paper(
      'Large-Scale 3D Medical Image Pre-training',
      'Prior methods such as Masked Autoencoders (MAE) exist. Motivated by this, we introduce a simple-yet-effective Volume Contrast (VoCo) framework. We use State-Of-The-Art (SOTA) baselines.',
    );
    expect(aliasesOf(voco)).toContain('VoCo');
    expect(aliasesOf(voco)).not.toContain('MAE');
    expect(aliasesOf(voco)).not.toContain('SOTA');
    expect(aliasesOf(paper('T', 'Our method (TESLA) achieves 27.9% accuracy.'))).toContain('TESLA');
    expect(aliasesOf(paper('T', 'We collect a large-scale dataset, named as PIDray, for detection.'))).toContain('PIDray');
    expect(aliasesOf(paper('T', 'We thus formalize a novel task, termed as Vocabulary-free Image Classification (VIC), where we aim …'))).toContain('VIC');
    // The title's initials, when the abstract uses them (not otherwise).
    expect(aliasesOf(paper('Plug & Play Generative Networks: Conditional Iterative Generation', 'PPGNs are composed of a generator network G.'))).toContain(
      'PPGN',
    );
    expect(aliasesOf(paper('Plug & Play Generative Networks: Conditional Iterative Generation', 'We study things.'))).not.toContain('PPGN');
  });

  it('knows when a question mentions a paper among other words', () => {
    const voco = aliasesOf(paper('Large-Scale 3D Medical Image Pre-training', 'we introduce a Volume Contrast (VoCo) framework.'));
    expect(namesPaper('How many medical tasks are in the VoCo benchmark?', voco)).toBe(false);
    expect(mentionsPaper('How many medical tasks are in the VoCo benchmark?', voco)).toBe(true);
    expect(mentionsPaper('How many medical tasks are there?', voco)).toBe(false);
  });
});

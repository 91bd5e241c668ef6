import { describe, expect, it } from 'vitest';
import { acronymAsked, askedKind, countedTerms, kindFit, namesAskedThing } from '../src/answer/asked.js';
import { composeExtractive } from '../src/answer/extractive.js';
import { isUnsupported } from '../src/answer/refusal.js';
import type { PaperHit } from '../src/retrieval/hybrid-retriever.js';
import { terms } from '../src/retrieval/text.js';

describe('what a question asks for', () => {
  it('reads a number, a name, a definition or anything else from the wording', () => {
    expect(askedKind('How many bounding boxes does Open Images V4 have?')).toBe('number');
    expect(askedKind('What top-1 accuracy does NASNet get on ImageNet?')).toBe('number');
    expect(askedKind('by how much does it beat DeiT?')).toBe('number');
    expect(askedKind('What is the regularization technique introduced with NASNet called?')).toBe('name');
    expect(askedKind('which loss function does G-SimCLR build on?')).toBe('name');
    expect(askedKind('What is CLIP?')).toBe('definition');
    expect(askedKind('Tell me about MammalNet')).toBe('definition');
    expect(askedKind('What does CaSED stand for?')).toBe('definition');
    expect(askedKind('What does G-SimCLR use to get its pseudo labels?')).toBe('other');
    expect(askedKind('Why do models trained on ImageNet fail on artworks?')).toBe('other');
    // What something does for someone is not what it is; a hyphenated word before "datasets" still asks for names.
    expect(askedKind('what does the module incubation mechanism let them do?')).toBe('other');
    expect(askedKind('which fine-grained datasets is CMD evaluated on?')).toBe('name');
    expect(askedKind('What momentum was used in DBN pre-training?')).toBe('number');
    expect(askedKind('Which toolkit pre-trained the word embeddings?')).toBe('name');
    expect(askedKind('which classifier do they put on top of the OverFeat features?')).toBe('name');
  });

  it('a count in words is a number ("five popular classifiers"), "one" is not', () => {
    const q = 'how many image safety classifiers does UnsafeBench evaluate?';
    const fit = (s: string) => kindFit('number', s, new Set(terms(q)), countedTerms(q));
    expect(fit('We evaluate five popular image safety classifiers.')).toBeGreaterThan(0.6);
    expect(fit('We evaluate one of the image safety classifiers.')).toBe(0);
  });

  it('counts the noun before the verb: "how many behaviors does MammalNet label?" counts behaviors, not MammalNet', () => {
    expect(countedTerms('how many behaviors does MammalNet label?')).toEqual(new Set(terms('behaviors')));
    expect(countedTerms('How many medical images were collected?')).toEqual(new Set(terms('medical images')));
    const q = 'how many behaviors does MammalNet label?';
    const near = (s: string) => kindFit('number', s, new Set(terms(q)), countedTerms(q));
    expect(near('It covers 173 mammal categories and captures 12 high-level animal behaviors.')).toBeGreaterThan(
      near('MammalNet contains over 18K videos totaling 539 hours.'),
    );
  });

  it('for "which datasets", prefers the sentence that says where the experiments were', () => {
    const qt = new Set(terms('which fine-grained datasets is CMD evaluated on?'));
    const where = kindFit('name', 'Extensive experiments on CUB-200-2011, Stanford Cars and FGVC Aircraft show gains.', qt);
    const names = kindFit('name', 'In this paper, we propose a Cross-level Multi-instance Distillation (CMD) framework.', qt);
    expect(where).toBeGreaterThan(names);
  });

  it('prefers a number next to what is counted, a name, a defining sentence', () => {
    const q = 'how many medical images were collected?';
    const qt = new Set(terms(q));
    const counted = countedTerms(q);
    const withCount = kindFit('number', 'We collected approximately 1.3 million medical images from 55 datasets.', qt, counted);
    const otherNumber = kindFit('number', 'We evaluate on 15 downstream tasks.', qt, counted);
    expect(withCount).toBeGreaterThan(otherNumber);
    expect(otherNumber).toBeGreaterThan(kindFit('number', 'We evaluate on many downstream tasks.', qt, counted));
    expect(kindFit('definition', 'We present Open Images V4, a dataset of 9.2M images.', qt)).toBeGreaterThan(
      kindFit('definition', 'State-of-the-art systems are trained to predict a fixed set of categories.', qt),
    );
  });
});

describe('the extractive answer leads with the sentence that holds the detail', () => {
  const abstract =
    'Large datasets matter for detection. In this paper we propose DIOR, a benchmark for remote sensing detection. ' +
    'The dataset contains 23463 images and 192472 instances, covering 20 object classes. ' +
    'These images were collected under different weathers and seasons.';
  const hit = {
    id: 'dior',
    title: 'Object Detection in Optical Remote Sensing Images',
    score: 1,
    passages: [],
    signals: {},
    paper: { abstract },
  } as unknown as PaperHit;
  const source = { n: 1, id: 'dior', title: hit.title, passages: [abstract] };
  const idf = () => 1;

  it('a number question opens with the number, a pointing-back sentence never opens alone', () => {
    const r = composeExtractive('How many images does the DIOR benchmark have?', [source], [hit], idf);
    expect(r.answer).toMatch(/^According to Object Detection in Optical Remote Sensing Images, the dataset contains 23463 images/);
    const back = composeExtractive('Under which weathers and seasons were they collected?', [source], [hit], idf);
    // "These images were …" needs the sentence that says which images.
    expect(back.answer.indexOf('23463 images')).toBeGreaterThanOrEqual(0);
    expect(back.answer.indexOf('23463 images')).toBeLessThan(back.answer.indexOf('weathers'));
  });

  it('the best sentence may be one quoted before; the sentences around it are not, and "more" repeats nothing', () => {
    const avoid = new Set(['The dataset contains 23463 images and 192472 instances, covering 20 object classes.']);
    const again = composeExtractive('How many images does the DIOR benchmark have?', [source], [hit], idf, new Map(), { avoid, repeatBest: true });
    expect(again.answer).toContain('23463 images');
    const more = composeExtractive('Tell me more about the DIOR images', [source], [hit], idf, new Map(), { avoid, repeatBest: false });
    expect(more.answer).not.toContain('23463');
  });
});

describe('a name question names the thing it asks for', () => {
  const q = 'Which toolkit pre-trained the word embeddings for the recursive auto-encoders?';
  const named = 'In addition, we pre-train the word embedding with toolkit Word2Vec on large-scale monolingual data.';
  const general = 'The standard recursive auto-encoder (RAE) pre-trains the word embeddings with an unsupervised algorithm.';

  it('reads the thing ("which toolkit" → toolkit) and knows a sentence that puts a name by it', () => {
    expect(countedTerms(q)).toEqual(new Set(terms('toolkit')));
    expect(namesAskedThing('name', named, countedTerms(q))).toBe(true);
    expect(namesAskedThing('name', 'A toolkit for the pre-training of the word embeddings.', countedTerms(q))).toBe(false);
    expect(namesAskedThing('name', general, countedTerms(q))).toBe(false);
  });

  it('the sentence that names it opens the answer, though another of the paper holds more of the words', () => {
    const abstract = `${general} ${named}`;
    const hit = { id: 'b', title: 'Phrase Embeddings', score: 1, passages: [], signals: {}, paper: { abstract } } as unknown as PaperHit;
    const r = composeExtractive(q, [{ n: 1, id: 'b', title: hit.title, passages: [abstract] }], [hit], () => 1);
    expect(r.answer).toMatch(/^In Phrase Embeddings, the authors pre-train the word embedding with toolkit Word2Vec/);
  });
});

describe('what an acronym stands for', () => {
  it('is read from the sentence that spells it out, which then opens the answer', () => {
    expect(['What does BRAE stand for?', 'What is LoRA?', 'What is dataset distillation?'].map(acronymAsked)).toEqual(['BRAE', 'LoRA', undefined]);
    const spelled = 'Accordingly, we propose the Bilingually-constrained Recursive Auto-encoders (BRAE), whose goal is to minimize the semantic distance.';
    expect(kindFit('definition', spelled, new Set(), undefined, 'BRAE')).toBe(0.8);
    expect(kindFit('definition', 'The BRAE model can be applied in many monolingual NLP tasks.', new Set(), undefined, 'BRAE')).toBe(0);
    const abstract = `The BRAE model can be applied in many monolingual NLP tasks such as paraphrase detection. ${spelled} Experiments show gains.`;
    const hit = {
      id: 'b',
      title: 'Phrase Embeddings for Machine Translation',
      score: 1,
      passages: [],
      signals: {},
      paper: { abstract },
    } as unknown as PaperHit;
    const r = composeExtractive('What does BRAE stand for?', [{ n: 1, id: 'b', title: hit.title, passages: [abstract] }], [hit], () => 1);
    expect(r.answer).toMatch(/^In Phrase Embeddings for Machine Translation, the authors propose the Bilingually-constrained Recursive Auto-encoders \(BRAE\)/);
  });
});

describe('a question that says the paper’s name', () => {
  it('is answered when the paper holds most of its words, whatever the similarity thresholds say', () => {
    const t = { sentence: 0.6, denseFloor: 0.62, coverage: 0.5, dense: 0.7 };
    const hit = (coverage: number) =>
      [{ id: 'neas', title: 'NEAS', score: 1, passages: [], signals: { dense: 0.58, lexical: 5, coverage, mentioned: true } }] as unknown as PaperHit[];
    // "what AP gain over MobileNetV3 does NEAS get on COCO?": the abstract holds 84 % of its words.
    expect(isUnsupported(hit(0.84), t, 0.73)).toBe(false);
    // Fewer of its words: answered when one of the paper's sentences comes near the question ("what two networks make up a PPGN?").
    expect(isUnsupported(hit(0.72), t, 0.69)).toBe(false);
    expect(isUnsupported(hit(0.72), t, 0.5)).toBe(true);
    expect(isUnsupported(hit(0.3), t, 0.73)).toBe(true);
    expect(isUnsupported(hit(0.72), t)).toBe(true); // sentences not measured
  });
});

describe('a long sentence', () => {
  const results =
    'Models searched by FBNetV5 in a single run of the search have outperformed the previous state of the art in all of the three tasks: image classification (e.g., +1.3% ImageNet top-1 accuracy under the same FLOPs as FBNetV3), semantic segmentation (e.g., +1.8% higher ADE20K mIoU than SegFormer with 3.6x fewer FLOPs), and object detection (e.g., +1.1% COCO mAP with 1.2x fewer FLOPs than YOLOX).';
  const hitOf = (id: string, abstract: string, score: number) =>
    ({ id, title: id, score, passages: [], signals: {}, paper: { abstract } }) as unknown as PaperHit;

  it("is quoted from the best paper (abstracts pack their results in one), never from another's", () => {
    expect(results.split(/\s+/).length).toBeGreaterThan(60);
    const fb = hitOf('FBNetV5', `We propose FBNetV5, a NAS framework for many tasks. ${results}`, 1);
    const src = (h: PaperHit, n: number) => ({ n, id: h.id, title: h.title, passages: [h.paper.abstract] });
    const q = 'how many fewer FLOPs does FBNetV5 need than SegFormer on ADE20K?';
    expect(composeExtractive(q, [src(fb, 1)], [fb], () => 1).answer).toContain('3.6x fewer FLOPs');
    const other = hitOf('Other', 'We study segmentation with transformers on ADE20K.', 1);
    expect(composeExtractive(q, [src(other, 1), src(fb, 2)], [other, fb], () => 1).answer).not.toContain('3.6x fewer FLOPs');
  });
});

describe('a question whose every word is in the best paper', () => {
  it('is decided by the paper’s sentences, not refused on paper-level similarity', () => {
    const t = { sentence: 0.57, denseFloor: 0.61, coverage: 0.2, dense: 0.7 };
    const hit = (coverage: number) =>
      [{ id: 'rd', title: 'Reinforce Data', score: 1, passages: [], signals: { dense: 0.53, lexical: 130, coverage } }] as unknown as PaperHit[];
    // "what's the reinforced version of CIFAR-100 called?": short, far from the whole abstract, every word in it.
    expect(isUnsupported(hit(1), t)).toBe(false); // its sentences are then measured
    expect(isUnsupported(hit(1), t, 0.66)).toBe(false);
    expect(isUnsupported(hit(1), t, 0.5)).toBe(true);
    expect(isUnsupported(hit(0.8), t, 0.66)).toBe(true); // below the floor, a word missing: refused as before
  });
});

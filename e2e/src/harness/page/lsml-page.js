// Runs in the browser, next to Label Studio's editor build (global `LabelStudio`). It plays the part of
// Label Studio's own front end around the editor: loads a task with its predictions the way the app
// does, turns the first prediction into the annotator's editable annotation, forwards interactive
// regions to the ML backend, records submitted annotations, and reads back what the editor shows.
/* global LabelStudio */
(() => {
  'use strict';

  // The interfaces Label Studio's data manager gives the editor.
  const INTERFACES = [
    'panel', 'update', 'submit', 'skip', 'controls', 'infobar', 'topbar', 'instruction', 'side-column',
    'annotations:history', 'annotations:tabs', 'annotations:menu', 'annotations:current',
    'annotations:add-new', 'annotations:delete', 'annotations:view-all', 'predictions:tabs',
    'predictions:menu', 'auto-annotation', 'edit-history',
  ];

  // label_studio/frontend: predictionToLSF — the pk from the stored id, the author from model_version.
  const predictionToLSF = (p) => ({
    ...p,
    id: undefined,
    pk: String(p.id),
    createdAgo: p.created_ago,
    createdBy: typeof p.model_version === 'string' ? p.model_version.trim() : '',
    createdDate: p.created_at,
  });

  const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));

  const state = {
    ls: null,
    submitted: [],
    interactiveCalls: 0,
    interactivePending: 0,
    interactiveErrors: [],
  };

  /** The body Label Studio's front end posts for a submitted annotation (LSFWrapper.prepareData). */
  function prepareData(annotation) {
    return {
      lead_time: (Date.now() - new Date(annotation.loadedDate).getTime()) / 1000,
      result: annotation.serializeAnnotation() || [],
      draft_id: annotation.draftId,
      parent_prediction: annotation.parent_prediction != null ? Number(annotation.parent_prediction) : null,
      parent_annotation: annotation.parent_annotation != null ? Number(annotation.parent_annotation) : null,
    };
  }

  /**
   * Start the editor on a task. Resolves once the storage is initialised, the annotator's annotation
   * (from the first prediction, as Label Studio does when predictions are shown to annotators) is
   * selected, and the page has painted.
   */
  function boot({ config, task, predictions, user, interactive, showLabels }) {
    return new Promise((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => !settled && reject(new Error('the editor did not initialise its storage within 20 s')), 20000);
      const ls = new LabelStudio('label-studio', {
        config,
        interfaces: INTERFACES,
        user,
        task: { id: task.id, data: task.data, annotations: [], predictions: predictions.map(predictionToLSF) },
        onLabelStudioLoad() {},
        onStorageInitialized(lsf) {
          try {
            const store = lsf.annotationStore;
            let annotation;
            if (store.annotations.length === 0 && store.predictions.length > 0) {
              annotation = store.addAnnotationFromPrediction(store.predictions[0]);
            } else if (store.annotations.length === 0) {
              annotation = store.addAnnotation({ userGenerate: true });
            }
            if (annotation) store.selectAnnotation(annotation.id);
            if (showLabels && !lsf.settings.showLabels) lsf.settings.toggleShowLabels();
            if (interactive) lsf.setAutoAnnotation(true);
            nextFrame().then(() => {
              settled = true;
              clearTimeout(timer);
              resolve();
            });
          } catch (err) {
            settled = true;
            clearTimeout(timer);
            reject(err);
          }
        },
        onSubmitAnnotation(lsf, annotation) {
          state.submitted.push(prepareData(annotation));
        },
      });
      state.ls = ls;
      if (interactive) {
        // Label Studio's data manager (lsf:regionFinishedDrawing): the annotator's new dynamic regions
        // go to POST /api/ml/{id}/interactive-annotating as the context; the answer's data.result
        // comes back as suggestions. `window.lsmlInteractive` is that API, provided by the test.
        ls.on('regionFinishedDrawing', (region, group) => {
          const annotation = window.Htx.annotationStore.selected;
          const ids = group.map((r) => r.cleanId);
          let result = annotation.serializeAnnotation().filter((r) => ids.includes(r.id));
          if (result.length === 0 && region.type !== 'richtextregion') {
            // The pinned editor's image tools (smart rectangle) emit the event with their drawing region
            // after it was replaced by the committed one, which no longer carries `dynamic`: send the
            // region just drawn, the newest manual one that is not a suggestion.
            const drawn = annotation.regionStore.regions.filter((r) => !r.fromSuggestion && r.origin === 'manual').pop();
            result = drawn ? annotation.serializeAnnotation().filter((r) => r.id === drawn.cleanId) : [];
          }
          const context = { annotation_id: annotation.pk ?? null, draft_id: annotation.draftId, user_id: user.id, result };
          state.interactiveCalls += 1;
          state.interactivePending += 1;
          const request = window.lsmlInteractive({ task: task.id, context }).then(
            (response) => {
              if (response && response.errors) state.interactiveErrors.push(...response.errors);
              return response;
            },
            (err) => {
              state.interactiveErrors.push(String(err));
              return {};
            },
          );
          window.Htx.loadSuggestions(request, (response) => (response && response.data ? response.data.result : []));
          request.then(() => nextFrame()).then(() => {
            state.interactivePending -= 1;
          });
        });
      }
    });
  }

  const text = (el) => (el ? el.textContent : null);

  /** What the editor holds (its store) and what it shows (the DOM) for the selected annotation. */
  function readBack() {
    const store = window.Htx.annotationStore;
    const annotation = store.selected;
    const root = document.querySelector('.lsf-main-view__annotation') || document;
    return {
      annotation: {
        pk: annotation.pk ?? null,
        type: annotation.type,
        parentPrediction: annotation.parent_prediction ?? null,
        result: annotation.serializeAnnotation(),
      },
      predictions: store.predictions.map((p) => ({ pk: p.pk, createdBy: p.createdBy, result: p.serializeAnnotation() })),
      regions: annotation.regionStore.regions.map((r) => ({
        id: r.cleanId,
        type: r.type,
        labels: r.labeling ? r.labeling.selectedLabels.map((l) => l.value) : [],
        text: typeof r.text === 'string' ? r.text : null,
        // The highlight spans this region painted into the text (one region may need several).
        spans: Array.isArray(r._spans) ? r._spans.map((s) => ({ text: s.textContent, connected: s.isConnected })) : null,
      })),
      dom: {
        spans: Array.from(root.querySelectorAll('span.htx-highlight')).map((s) => ({ text: s.textContent, label: s.dataset.label ?? null })),
        checkedChoices: Array.from(root.querySelectorAll('input.ant-checkbox-input:checked, input.ant-radio-input:checked')).map((i) => i.name),
        choices: Array.from(root.querySelectorAll('input.ant-checkbox-input, input.ant-radio-input')).map((i) => i.name),
        textAreaItems: Array.from(root.querySelectorAll('[data-testid="textarea-region"]')).map((e) => text(e.querySelector('.ant-typography > span:first-child')) ?? e.textContent),
        text: text(root.querySelector('.lsf-richtext__container')),
      },
      submitted: state.submitted,
      interactive: { calls: state.interactiveCalls, pending: state.interactivePending, errors: state.interactiveErrors },
    };
  }

  window.lsml = { boot, readBack };
})();

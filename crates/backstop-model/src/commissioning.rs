//! Commissioning checklist templates, step results with evidence and
//! sign-off. (Filled in with the commissioning engine.)

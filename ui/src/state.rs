//! UI-wide state: what the backend says about the open project, refreshed
//! after every operation that can change it. The UI never edits this copy;
//! it asks the backend and shows the answer.

use backstop_model::workspace::{ProjectState, ProjectView};
use backstop_model::{AppError, ErrorCode};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::components::notices::Notices;
use crate::ipc;

/// Handle to the project state, provided as context by the shell.
#[derive(Clone, Copy)]
pub struct ProjectCtx {
    pub state: RwSignal<Option<ProjectState>>,
    /// Whether the "new project" form is shown (Ctrl+N, or a button).
    pub new_form: RwSignal<bool>,
    /// Increases after every change to the project, so areas showing
    /// project data know to reload it.
    pub generation: RwSignal<u64>,
    /// Increases when the backend asks for the Project area to be shown (a
    /// file handed over by a second launch).
    pub show: RwSignal<u64>,
    notices: Notices,
}

impl ProjectCtx {
    pub fn provide(notices: Notices) -> Self {
        let ctx = ProjectCtx {
            state: RwSignal::new(None),
            new_form: RwSignal::new(false),
            generation: RwSignal::new(0),
            show: RwSignal::new(0),
            notices,
        };
        provide_context(ctx);
        spawn_local(async move {
            let on_event = move |ev: backstop_model::workspace::ProjectEvent| match ev {
                backstop_model::workspace::ProjectEvent::Handed => {
                    ctx.show.update(|n| *n += 1);
                    ctx.refresh();
                }
            };
            if let Err(e) = ipc::project_subscribe(on_event).await {
                ctx.report(e);
            }
        });
        ctx.refresh();
        ctx
    }

    /// The open project, if any.
    pub fn project(&self) -> Option<ProjectView> {
        self.state.with(|s| s.as_ref().and_then(|s| s.project.clone()))
    }

    /// Reloads everything from the backend.
    pub fn refresh(&self) {
        let ctx = *self;
        spawn_local(async move {
            match ipc::project_state().await {
                Ok(state) => {
                    ctx.state.set(Some(state));
                    ctx.generation.update(|g| *g += 1);
                }
                Err(err) => ctx.report(err),
            }
        });
    }

    /// Shows an error unless it is a cancelled dialog.
    pub fn report(&self, err: AppError) {
        if err.code != ErrorCode::Cancelled {
            self.notices.report(err);
        }
    }

    /// A short confirmation for the engineer.
    pub fn notify(&self, message: String) {
        self.notices.info(message);
    }

    /// Runs a project operation, then refreshes (also after a failure, which
    /// may have changed what the backend remembers, e.g. a failed open).
    pub fn run<T: 'static>(&self, op: impl std::future::Future<Output = Result<T, AppError>> + 'static) {
        let ctx = *self;
        spawn_local(async move {
            if let Err(err) = op.await {
                ctx.report(err);
            }
            ctx.refresh();
        });
    }
}

/// The project context of the shell.
pub fn use_project() -> ProjectCtx {
    expect_context::<ProjectCtx>()
}

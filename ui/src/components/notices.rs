//! Error notices: every failed command ends up here, visible to the engineer
//! with its code and message until dismissed.

use backstop_model::AppError;
use leptos::prelude::*;

#[derive(Clone, Debug)]
struct Notice {
    id: u64,
    kind: Kind,
}

#[derive(Clone, Debug)]
enum Kind {
    Error(AppError),
    Info(String),
}

/// Handle to the notice list, provided as context by the app shell.
#[derive(Clone, Copy)]
pub struct Notices {
    list: RwSignal<Vec<Notice>>,
    next_id: StoredValue<u64>,
}

impl Notices {
    pub fn provide() -> Self {
        let notices = Notices { list: RwSignal::new(Vec::new()), next_id: StoredValue::new(0) };
        provide_context(notices);
        notices
    }

    /// Shows an error to the engineer (until dismissed).
    pub fn report(&self, error: AppError) {
        self.push(Kind::Error(error));
    }

    /// Shows a confirmation for a few seconds (errors stay until dismissed).
    pub fn info(&self, message: String) {
        let id = self.push(Kind::Info(message));
        let notices = *self;
        set_timeout(move || notices.dismiss(id), std::time::Duration::from_secs(6));
    }

    fn push(&self, kind: Kind) -> u64 {
        let id = self.next_id.get_value();
        self.next_id.set_value(id + 1);
        self.list.update(|list| {
            list.push(Notice { id, kind });
            // Keep the most recent few; older ones are no longer actionable.
            if list.len() > 5 {
                list.remove(0);
            }
        });
        id
    }

    fn dismiss(&self, id: u64) {
        self.list.update(|list| list.retain(|n| n.id != id));
    }
}

#[component]
pub fn NoticeList(notices: Notices) -> impl IntoView {
    view! {
        <div class="notices" role="alert" aria-live="assertive">
            <For
                each=move || notices.list.get()
                key=|n| n.id
                children=move |n: Notice| {
                    let id = n.id;
                    let (class, code, message) = match n.kind {
                        Kind::Error(e) => ("notice", e.code.as_str().to_string(), e.message),
                        Kind::Info(m) => ("notice info", "done".to_string(), m),
                    };
                    view! {
                        <div class=class data-testid="notice">
                            <button class="btn" on:click=move |_| notices.dismiss(id)>"Dismiss"</button>
                            <div class="code" data-testid="notice-code">{code}</div>
                            <div class="msg" data-testid="notice-message">{message}</div>
                        </div>
                    }
                }
            />
        </div>
    }
}

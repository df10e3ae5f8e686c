//! Named styles. Views ask for a meaning (`danger`, `step(status)`, `pace(p)`), never a
//! colour. With `NO_COLOR` set, meaning is carried by bold, reverse and underline instead.

use crate::incident::{Pace, StepStatus};
use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    pub fn colored() -> Theme {
        Theme { color: true }
    }

    pub fn monochrome() -> Theme {
        Theme { color: false }
    }

    /// Colour unless `NO_COLOR` is set to a non-empty value (no-color.org).
    pub fn from_env() -> Theme {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Theme { color: !no_color }
    }

    fn pick(&self, color: Style, mono: Style) -> Style {
        if self.color { color } else { mono }
    }

    pub fn base(&self) -> Style {
        Style::default()
    }

    pub fn dim(&self) -> Style {
        self.pick(
            Style::default().fg(Color::DarkGray),
            Style::default().add_modifier(Modifier::DIM),
        )
    }

    pub fn title(&self) -> Style {
        Style::default().add_modifier(Modifier::BOLD)
    }

    pub fn key(&self) -> Style {
        self.pick(
            Style::default()
                .fg(Color::Cyan)
                .add_modifier(Modifier::BOLD),
            Style::default().add_modifier(Modifier::BOLD),
        )
    }

    /// Something that must not be missed: an open lease, a failure, drift.
    pub fn danger(&self) -> Style {
        self.pick(
            Style::default().fg(Color::Red).add_modifier(Modifier::BOLD),
            Style::default().add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
        )
    }

    /// The open-glass banner: the loudest thing on screen.
    pub fn banner(&self) -> Style {
        self.pick(
            Style::default()
                .fg(Color::White)
                .bg(Color::Red)
                .add_modifier(Modifier::BOLD),
            Style::default().add_modifier(Modifier::BOLD | Modifier::REVERSED),
        )
    }

    pub fn warning(&self) -> Style {
        self.pick(
            Style::default().fg(Color::Yellow),
            Style::default().add_modifier(Modifier::UNDERLINED),
        )
    }

    pub fn good(&self) -> Style {
        self.pick(Style::default().fg(Color::Green), Style::default())
    }

    pub fn selected(&self) -> Style {
        self.pick(
            Style::default()
                .bg(Color::DarkGray)
                .add_modifier(Modifier::BOLD),
            Style::default().add_modifier(Modifier::REVERSED),
        )
    }

    pub fn focused_border(&self) -> Style {
        self.pick(Style::default().fg(Color::Cyan), self.title())
    }

    pub fn step(&self, status: StepStatus) -> Style {
        match status {
            StepStatus::Done => self.good(),
            StepStatus::Failed => self.danger(),
            StepStatus::Current => self.title(),
            StepStatus::Skipped => self.dim(),
            StepStatus::Pending => self.base(),
        }
    }

    pub fn pace(&self, pace: Pace) -> Style {
        match pace {
            Pace::OnTime => self.good(),
            Pace::Amber => self.pick(
                Style::default()
                    .fg(Color::Yellow)
                    .add_modifier(Modifier::BOLD),
                Style::default().add_modifier(Modifier::UNDERLINED),
            ),
            Pace::Red => self.danger(),
        }
    }

    pub fn diff(&self, line: &str) -> Style {
        match line.chars().next() {
            Some('+') => self.good(),
            Some('-') => self.danger(),
            Some('@') => self.dim(),
            _ => self.base(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monochrome_uses_no_colours_but_keeps_danger_visible() {
        let mono = Theme::monochrome();
        for style in [
            mono.danger(),
            mono.banner(),
            mono.pace(Pace::Amber),
            mono.pace(Pace::Red),
            mono.step(StepStatus::Done),
            mono.selected(),
        ] {
            assert_eq!(style.fg, None);
            assert_eq!(style.bg, None);
        }
        assert_ne!(mono.danger(), Style::default());
        assert_ne!(mono.pace(Pace::Amber), mono.pace(Pace::Red));
    }
}

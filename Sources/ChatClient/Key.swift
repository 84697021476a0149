/// A key press, decoded from the bytes a terminal sends.
public enum Key: Sendable, Equatable {
    case character(Character)
    case enter
    case backspace
    case delete
    case left, right, up, down
    case home, end
    case wordLeft, wordRight
    /// Ctrl and a letter (lower case): `.control("a")` is Ctrl+A.
    case control(Character)
    case tab
    case escape
    /// Alt and a digit 1…9 (ESC then the digit): switch to the Nth room in the order joined.
    case altDigit(Int)
}

namespace Hawser.Proxy.Configuration;

/// <summary>Docker compose operations.</summary>
public sealed class ComposeOptions
{
    /// <summary>Folder holding one folder per stack. Default <c>/data/stacks</c>. Legacy: <c>STACKS_DIR</c>.</summary>
    public string StacksDir { get; set; } = "/data/stacks";

    /// <summary>Deadline of one compose operation. Default 900 s, range 1 s – 24 h. Legacy: <c>COMPOSE_TIMEOUT</c>.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(900);
}

using Flagger.Host;

var app = await FlaggerHost.BuildAsync(args);
await app.RunAsync();
